package sample

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// kind is what a generated text is about: one topic of the taxonomy (roads split into potholes
// and the rest, so the pothole spike can be built alone) or general chatter with no topic.
type kind int

const (
	kindRoads kind = iota
	kindPothole
	kindSanitation
	kindParks
	kindSafety
	kindHomeless
	kindHousing
	kindTransit
	kindWater
	kindNoise
	kindServices
	kindSnow
	kindGeneral
	numKinds
)

// topicID is the taxonomy id (topics.yaml, or city.yaml for snow) a kind's texts must match.
func (k kind) topicID() string {
	return [...]string{"roads", "roads", "sanitation", "parks", "public_safety", "homelessness",
		"housing", "transit", "water", "noise", "city_services", "snow", ""}[k]
}

// tone is the sentiment a text is written with.
type tone int

const (
	toneNeg tone = iota
	toneNeu
	tonePos
)

// bank holds the sentences of one kind. Every core names its topic with a keyword of the
// taxonomy; negative cores carry a negative word and positive cores a positive one, so that a
// lexicon scorer reads them as meant (text_test.go checks both).
type bank struct {
	neg, neu, pos []string
	sarcasm       []string // negative in meaning, positive in words: a lexicon scorer misreads them
	suggest       []string // survey answers: short, neutral suggestions
	tags          []string // hashtags that fit
	handle        string   // the city account residents tag
}

// phrases is every piece of text the generator composes from. It is built once per Generate
// call (the package keeps no state) and only read after that.
type phrases struct {
	banks [numKinds]bank

	// Slot values. street, place, district, dur and when are topic-free; sstreet names a
	// "Street" (a roads keyword) and park a park, so they appear only in texts of that topic.
	street, sstreet, park, place, district, dur, when, route, times []string
	// Only for general chatter.
	food, biz, event, team, trade, pet, venue, weekday, weather, favor []string

	open, follow   [3][]string // by tone: openers and follow-up sentences for tweets
	butNeg, butPos []string    // "X, but <core>": the clause after "but" carries the tone
	emoji          [3][]string
	cityTags       []string
	surveyGeneral  [3][]string
	typos          [][2]string
	first, last    []string
	mailDomains    []string
	houseStreets   []string

	plant func(value string) // when set, told every personal value pii writes (PlantedPII)
}

// planted returns v, telling p.plant about it.
func (p *phrases) planted(v string) string {
	if p.plant != nil {
		p.plant(v)
	}
	return v
}

func newPhrases() *phrases {
	p := &phrases{
		street: []string{"Maple Ave", "Elm Ave", "Grand Ave", "Washington Blvd", "Riverside Drive",
			"Jefferson Ave", "Cedar Lane", "Kingsley Blvd", "Monroe Ave", "Chestnut Ave", "Walnut Ave",
			"Old Mill Rd", "Sangamon Ave", "Lakeview Drive", "Harrison Ave", "Wabash Ave", "Prairie Drive",
			"Cherry Ave", "Pine Ave", "Dirksen Pkwy", "MacArthur Blvd", "Clearlake Ave"},
		sstreet: []string{"5th Street", "Main Street", "Oak Street", "3rd Street", "Market Street",
			"Lincoln Street", "9th Street", "Adams Street", "the Oak Street bridge", "2nd Street",
			"Walnut Street", "11th Street", "Jackson Street"},
		park: []string{"Lincoln Park", "Veterans Park", "Riverside Park", "Washington Park",
			"Centennial Park", "Miller Park", "Bunn Park", "Iles Park", "the Greenway trail"},
		place: []string{"the library", "Miller Square", "the farmers market", "the riverfront",
			"Union Station", "the courthouse", "the Walgreens on Grand", "Jefferson Elementary",
			"the high school", "the Kroger on Elm", "the old mill", "the hospital", "Westgate Mall",
			"the fairgrounds", "the Amtrak station", "St. John's", "the VFW hall", "the Shell on Maple"},
		district: []string{"downtown", "in Northside", "in Riverside", "on the East End", "in Westgate",
			"up in Northside", "over in Westgate", "in the East End", "down in Riverside"},
		dur: []string{"two weeks", "three weeks", "a month", "over a month", "six weeks", "10 days",
			"two months", "almost a year", "five days", "eight months"},
		when: []string{"this morning", "last night", "today", "yesterday", "tonight",
			"on my way to work", "this afternoon", "Sunday", "again this morning", "over the weekend"},
		route: []string{"Route 9", "Route 4", "Route 7", "Route 12", "Route 15", "Route 21", "Route 3"},
		times: []string{"three", "four", "five", "six"},

		food: []string{"tacos", "pizza", "breakfast", "BBQ", "horseshoe", "coffee", "donuts", "fried chicken",
			"pho", "burgers", "chili", "cinnamon rolls"},
		biz: []string{"Obed's Bakery", "the Route 66 Diner", "the Blue Heron Cafe", "Dino's", "the taco truck on Grand",
			"Two Rivers Brewing", "Mae's Kitchen", "the new bakery on Elm", "Pho Saigon", "Lucky's Tavern"},
		event: []string{"the Old Capitol art fair", "trivia night at Two Rivers", "the Lincoln Land 5K",
			"the Juneteenth celebration", "the Illinois State Fair", "the homecoming parade",
			"the Christmas walk downtown", "the jazz night at Miller Square", "the chili cook-off"},
		team: []string{"Spartans", "Lucky Horseshoes", "Cyclones", "Senators"},
		trade: []string{"plumber", "electrician", "dentist", "mechanic", "daycare", "roofer", "vet",
			"pediatrician", "barber", "HVAC guy"},
		pet: []string{"a brown lab named Max", "a gray cat named Luna", "a beagle named Rosie",
			"a black cat with a red collar", "a small white terrier", "an orange tabby"},
		venue: []string{"the library", "the DMV", "Westgate Mall", "the Kroger on Elm", "the post office",
			"the museum", "Obed's Bakery"},
		weekday: []string{"Monday", "Tuesday", "Friday", "Saturday", "Sunday"},
		weather: []string{"This weather", "This wind", "All this rain", "This humidity", "This gray sky"},
		favor: []string{"jump my car", "carry my groceries", "find my dog", "change a flat",
			"push my car out of a ditch"},

		cityTags: []string{"#Springfield", "#SpfldLife", "#217", "#SpringfieldIL", "#ShopLocal"},
		typos: [][2]string{{"definitely", "definately"}, {"because", "becuase"}, {"because", "bc"},
			{"really", "realy"}, {"their", "there"}, {"until", "untill"}, {"again", "agian"},
			{"the ", "teh "}, {"you", "u"}, {"people", "ppl"}, {"with", "w/"}, {"nobody", "nobdy"},
			{"There's", "Theres"}, {"it's", "its"}, {"doesn't", "doesnt"}, {"can't", "cant"},
			{"weeks", "wks"}, {"every", "evry"}, {"already", "allready"}, {"through", "thru"}},
		first: []string{"jane", "mike", "maria", "james", "linda", "robert", "patricia", "david",
			"jennifer", "chris", "sarah", "kevin", "ashley", "tom", "angela", "brian", "lisa", "marcus",
			"keisha", "dan", "emily", "jose", "rachel", "greg", "tanya", "luis", "megan", "paul"},
		last: []string{"doe", "smith", "johnson", "garcia", "miller", "davis", "rodriguez", "wilson",
			"anderson", "thomas", "jackson", "white", "harris", "martin", "thompson", "moore", "lee",
			"walker", "hall", "young", "king", "wright", "lopez", "hill", "green", "baker", "nguyen"},
		mailDomains: []string{"gmail.com", "yahoo.com", "outlook.com", "icloud.com", "comcast.net",
			"hotmail.com", "aol.com"},
		houseStreets: []string{"Maple Ave", "Elm Ave", "Grand Ave", "Cedar Lane", "Monroe Ave",
			"Walnut Ave", "Riverside Drive", "Lakeview Drive", "Chestnut Ave", "Prairie Drive",
			"Kingsley Blvd", "Birch Court", "Willow Way"},
	}

	p.open[toneNeg] = []string{"Ugh.", "Seriously?", "Unreal.", "Day 14 of asking:", "PSA:",
		"Not again.", "Can someone explain this?", "Honestly,", "I give up.", "So,", "Again?!",
		"Come on, Springfield.", "Another day, another complaint:", "Real talk:"}
	p.open[toneNeu] = []string{"Quick question:", "Question for the neighbors:", "Anyone know?",
		"Real question:", "Hey Springfield,", "Curious:", "Asking for a friend:", "Help me out here:"}
	p.open[tonePos] = []string{"Shoutout!", "Credit where it's due:", "Good news:",
		"Just have to say,", "Wow.", "Okay Springfield,", "Small win today:", "Have to share this:"}

	p.follow[toneNeg] = []string{"This is ridiculous.", "Absolutely terrible.", "So frustrating.",
		"Worst it's been in years.", "Fix it already, it's awful!",
		"I'm so tired of this.", "Embarrassing for a city this size.", "Pathetic.", "Unacceptable.",
		"Awful.", "What a mess.", "Getting worse every year.", "Nobody seems to care. Sad.",
		"I'm honestly angry about it.", "Horrible."}
	p.follow[toneNeu] = []string{"TIA.", "Any info?", "Just wondering.",
		"Can't find it online.", "Anyone?", "Trying to plan ahead."}
	p.follow[tonePos] = []string{"Thank you!", "Great job.", "Love to see it.", "Really appreciate it.",
		"Nice work, Springfield!", "Made my day, thank you.", "Great to see it work like this.",
		"Huge thanks to the crew.", "Impressed!", "Keep up the great work!", "Proud of this city.",
		"So glad to see it.", "Amazing."}

	p.butNeg = []string{"Love this city, but ", "I usually don't complain, but ",
		"I know it's a big job, but ", "Not trying to be negative, but ", "Call me picky, but ",
		"Springfield is a great place, but "}
	p.butPos = []string{"Took three calls, but ", "It took a while, but ", "Late, but ",
		"Not perfect, but ", "I was skeptical, but ", "Took forever, but "}

	p.emoji[toneNeg] = []string{"😡", "😤", "🙄", "🤬", "😩", "👎", "😠", "🤦‍♀️", "🤦", "💀"}
	p.emoji[toneNeu] = []string{"🤔", "❓", "👀", "🙏"}
	p.emoji[tonePos] = []string{"👍", "🙏", "❤️", "🎉", "😊", "👏", "💯", "🙌"}

	p.surveyGeneral[toneNeg] = []string{"Everything. This city is a mess.",
		"Honestly just about everything, it keeps getting worse.",
		"Listen to residents for once. So frustrating.", "Too much to list. Terrible."}
	p.surveyGeneral[toneNeu] = []string{"N/A", "n/a", "none", "Not sure.", "No comment.", ".",
		"Honestly can't think of anything.", "More family events downtown.", "Idk",
		"Nothing comes to mind.", "More things for teenagers to do.", "More local restaurants."}
	p.surveyGeneral[tonePos] = []string{"Nothing, keep up the great work!", "I love living here.",
		"Keep doing what you're doing, thank you.", "Nothing really. Springfield is great.",
		"Happy with things overall. Thanks!"}

	b := &p.banks
	b[kindPothole] = bank{
		handle: "SpfldPublicWorks",
		tags:   []string{"#potholes", "#pothole", "#SpringfieldRoads", "#FixOurRoads"},
		neg: []string{
			"The pothole on {sstreet} just blew out my tire. Terrible.",
			"There's a pothole on {street} big enough to swallow a small car. Dangerous.",
			"Hit another pothole on {sstreet} {when}. My alignment is broken now.",
			"The potholes on {street} are getting worse every week.",
			"{sstreet} is more pothole than road at this point. Terrible.",
			"Reported the pothole outside {place} {dur} ago and nothing. Useless.",
			"Potholes everywhere {district}. Driving here is a nightmare.",
			"Swerved to miss a pothole on {street} and nearly hit a cyclist. Scary.",
			"Cracked my rim on a pothole on {sstreet}. Who pays for that? Ridiculous.",
			"That crater of a pothole near {place} has been there for {dur}. Awful.",
			"Three new potholes on {street} since the last freeze. Horrible.",
			"The pothole patch on {sstreet} lasted about two days. Broken again.",
			"Whoever patched the potholes on {street} did a terrible job, they're back already.",
			"The pothole on {sstreet} is now basically a pond. Disgusting.",
			"Two flat tires this month from potholes {district}. I'm so frustrated.",
			"Potholes on {sstreet} are so bad people drive in the wrong lane to dodge them. Dangerous.",
			"Worst potholes I've ever seen are on {street}. Worst.",
			"My car is falling apart from all the potholes on {sstreet}. Terrible roads.",
		},
		pos: []string{
			"Crews finally fixed the pothole on {sstreet}. Thank you!",
			"Shoutout to the crew that patched the potholes on {street} {when}. Great work.",
			"Reported a pothole Monday and it was fixed by Wednesday. Impressive!",
			"The pothole repair on {sstreet} is great, smooth ride now.",
			"Whoever filled the potholes on {street}, thank you. Huge improvement.",
			"Love that the pothole by {place} is finally gone. Nice work.",
		},
		neu: []string{
			"Is there a way to report a pothole without calling?",
			"How long does it usually take to fix a pothole on {sstreet}?",
			"Anyone know who's responsible for the pothole at the end of {street}?",
			"Does the city reimburse for tire damage from potholes?",
			"Is the pothole on {sstreet} on the repair list yet?",
		},
		sarcasm: []string{
			"Oh good, the pothole on {sstreet} got bigger. Love that for us 🙄",
			"Happy six-month anniversary to the pothole on {street} 🎉",
			"Nothing says welcome to Springfield like a pothole every ten feet on {sstreet}.",
		},
		suggest: []string{"Fix the potholes on {street}.", "Fix the potholes!!", "Potholes. Please.",
			"Fill potholes faster.", "Potholes on {sstreet}.", "The potholes, every spring.",
			"Pothole repair {district}."},
	}
	b[kindRoads] = bank{
		handle: "SpfldPublicWorks",
		tags:   []string{"#SpringfieldRoads", "#traffic"},
		neg: []string{
			"Traffic on {sstreet} at rush hour is a nightmare now.",
			"The streetlight at {sstreet} and {street} has been out for {dur}. Dangerous at night.",
			"Someone is going to get killed at the crosswalk by {place}. Cars never stop.",
			"Cars speeding down {street} all day. We need speed bumps before a kid gets hurt.",
			"Parking downtown is impossible and the meters are broken half the time.",
			"The sidewalk on {street} is broken and dangerous, my mom tripped last week.",
			"Why does the traffic light at {sstreet} stay red for five minutes when nobody is coming? Ridiculous.",
			"The lane closures on {sstreet} have made every trip twice as long. Awful planning.",
			"No sidewalks on {street} means walking to {place} is dangerous.",
			"Signal timing downtown is terrible, you hit every single red.",
			"The roadwork on {sstreet} has dragged on for {dur} with nobody working. Frustrating.",
			"Another crash at the {street} intersection. That intersection is dangerous and everyone knows it.",
			"The stop sign at the corner of {street} is bent over and you can't see it. Terrible.",
			"The detour around {sstreet} makes no sense. Worst signage ever.",
			"Streetlights out all along {street} again. Scary walking home.",
		},
		pos: []string{
			"The new crosswalk by {place} is great, feels so much safer.",
			"Thank you for the new streetlights on {street}! Finally feels good walking at night.",
			"Love the new sidewalk along {street}. My kids can walk to school safely now.",
			"The repaving on {sstreet} looks great. Smooth ride, thank you.",
			"Traffic on {sstreet} is so much better since they fixed the signal timing. Nice work.",
			"The new speed bumps on {street} actually work. Appreciate it!",
			"Road crews on {sstreet} finished ahead of schedule. Impressive.",
		},
		neu: []string{
			"Is {sstreet} still closed for roadwork this week?",
			"Does anyone know why there's a detour on {sstreet}?",
			"How do I request a stop sign for the corner of {street} and Walnut?",
			"Any word on when the Oak Street bridge reopens?",
			"Where are people parking for events downtown now?",
			"Heads up: lane closures on {sstreet} starting Monday.",
		},
		sarcasm: []string{
			"Great news everyone, the traffic light at {sstreet} is out again 🙃",
			"Love how every road {district} is closed at the same time. Perfect planning 🙄",
		},
		suggest: []string{"More crosswalks near schools.", "Repave {sstreet}.",
			"Better street lighting {district}.", "Traffic calming on {street}, people fly down it.",
			"Sidewalks on {street}.", "Fix the traffic lights downtown.", "More parking downtown."},
	}
	b[kindSanitation] = bank{
		handle: "SpfldPublicWorks",
		tags:   []string{"#recycling", "#KeepSpringfieldClean"},
		neg: []string{
			"Trash pickup skipped our block {district} again. Third time this month. Ridiculous.",
			"Recycling hasn't been picked up on {street} in {dur}. Bins overflowing, disgusting.",
			"Someone keeps dumping mattresses behind {place}. Filthy.",
			"The litter along {street} is embarrassing. Trash everywhere.",
			"Graffiti all over {place} and nobody cleans it up. Sad.",
			"Rats everywhere near the dumpsters behind {place}. Gross.",
			"Garbage truck spilled half our trash on the curb and drove off. Terrible.",
			"Bulk pickup was supposed to be Tuesday. Couch is still on our curb. Useless.",
			"Illegal dumping on {street} keeps getting worse. Tires, mattresses, you name it. Awful.",
			"Why did recycling stop taking glass? Terrible decision.",
			"Overflowing trash cans at {place} all weekend. Disgusting.",
			"Missed garbage pickup {district} and nobody answers. So frustrated.",
		},
		pos: []string{
			"Our trash and recycling crew on {street} is the best, always on time. Thank you!",
			"Thanks for cleaning up the graffiti at {place} so fast!",
			"Love the new recycling bins downtown. Much cleaner.",
			"Bulk pickup came right on schedule. Easy and helpful, thank you.",
			"Volunteer litter cleanup {district} {when}, the neighborhood looks so clean now!",
			"The new compost program is great, happy to see it.",
			"Garbage crew {district} is amazing, they even put the bins back. Appreciate them.",
		},
		neu: []string{
			"Is trash pickup delayed this week because of the holiday?",
			"What day is bulk pickup {district}?",
			"Does the city take electronics in recycling?",
			"Where do I get a new recycling bin?",
			"Who do I call about graffiti on a private fence?",
		},
		suggest: []string{"More frequent recycling pickup.", "More trash cans downtown.",
			"Clean up the graffiti {district}.", "Bring back glass recycling.",
			"Crack down on illegal dumping."},
	}
	b[kindParks] = bank{
		handle: "SpfldParks",
		tags:   []string{"#SpringfieldParks", "#getoutside"},
		neg: []string{
			"The playground at {park} is broken and covered in glass. Dangerous for kids.",
			"Restrooms at {park} have been locked for {dur}. Ridiculous.",
			"Grass at {park} hasn't been mowed in weeks, looks terrible.",
			"Dead tree hanging over the path at {park}. Dangerous.",
			"The pool at {park} closed early again this summer. So disappointing.",
			"Trails at {park} are a muddy mess and nobody maintains them.",
			"Dog park gate is broken again and dogs keep getting out. Frustrating.",
			"Why did the rec center cut its hours again? Terrible for families.",
			"Soccer fields at {park} are full of holes. Someone's going to get hurt.",
			"Broken swings at {park} for {dur}. Sad.",
		},
		pos: []string{
			"{park} looks beautiful this week. Thank you to the parks crew!",
			"The new playground at {park} is amazing, my kids love it.",
			"Love the new trail along the river. Great job Springfield!",
			"Summer concerts at {park} were wonderful this year.",
			"The rec center's new hours are so helpful for working parents. Thank you.",
			"The new trees along {street} look great. Love this.",
			"Free swim day at the pool was fantastic, thank you!",
			"Nice to see {park} so clean and busy this weekend.",
			"The community center pickleball courts are great. Best thing the city did this year.",
		},
		neu: []string{
			"What time does the pool at {park} open on weekends?",
			"Is the dog park at {park} open again?",
			"How do I reserve a picnic pavilion at {park}?",
			"Are the trails at {park} open after the storm?",
			"When does rec center registration open for fall?",
		},
		suggest: []string{"More trees and shade in the parks.", "Keep the pools open later in summer.",
			"Update the playground at {park}.", "More programs at the rec center.",
			"Lights on the trails."},
	}
	b[kindSafety] = bank{
		handle: "SpringfieldPD",
		tags:   []string{"#SpringfieldPD", "#publicsafety"},
		neg: []string{
			"Third car break-in on {street} this month. Where are the police? Frustrating.",
			"Heard gunshots again last night {district}. Scary and nobody seems to care.",
			"Waited 40 minutes for police after a break-in. Unacceptable.",
			"Catalytic converter stolen right outside {place}. So frustrated.",
			"Crime {district} is getting worse and patrols have disappeared.",
			"Package theft on our block every week now. Terrible.",
			"Called 911 and the response time was awful.",
			"Vandalism at {place} again. Windows smashed. Sad to see.",
			"Walking downtown at night feels unsafe now. Scary.",
			"Car stolen from our driveway {district}. Police said there's nothing they can do. Useless.",
			"Another burglary on {street}. Horrible.",
		},
		pos: []string{
			"Huge thanks to the firefighters who responded on {street} {when}. Amazing work.",
			"The officer at our block meeting was really helpful and listened. Appreciate it.",
			"The police patrols {district} have made a real difference. Feels safer, thank you.",
			"Ambulance got to my dad in six minutes. Grateful for our paramedics.",
			"Thank you to the fire department for the smoke detector check, so helpful.",
			"Love seeing officers walking downtown, friendly and helpful.",
			"Police got my stolen car back in a day. Great work!",
		},
		neu: []string{
			"Does anyone know what all the police activity on {street} was about?",
			"Is there a non-emergency number for police?",
			"When is the next neighborhood watch meeting with police {district}?",
			"What was the fire department doing at {place} {when}?",
		},
		suggest: []string{"More police patrols {district} at night.", "Faster 911 response.",
			"Crime prevention {district}.", "More officers downtown."},
	}
	b[kindHomeless] = bank{
		handle: "SpringfieldCity",
		tags:   []string{"#homelessness", "#HousingFirst"},
		neg: []string{
			"The encampment under the {street} overpass keeps growing. It's a mess and it feels unsafe.",
			"Tents all along the riverfront again. Heartbreaking and dangerous.",
			"Homeless camp behind {place} left needles everywhere. Disgusting.",
			"Aggressive panhandling downtown is out of control. I'm scared to walk to work.",
			"The shelter on {street} turned people away again because it's full. Terrible.",
			"Encampment by {place} caught fire {when}. Scary and awful for everyone.",
			"Someone sleeping outside in our doorway every night and the city does nothing. Frustrating.",
			"Homelessness downtown is the worst I've seen it.",
			"Shelters are full and people are sleeping outside in freezing weather. Shameful.",
			"Another tent city by the river. Nobody should live like this and nothing changes. Sad.",
			"Panhandlers at every light on {street} now. Awful.",
			"Unhoused folks have nowhere to go and the city keeps clearing camps. Cruel and useless.",
			"The homeless situation {district} is a disaster and getting worse.",
		},
		pos: []string{
			"The new shelter on {street} is a great step. Thank you to everyone who made it happen.",
			"The outreach team helped a man who'd been sleeping outside {place} get a room. Amazing work.",
			"The encampment by the river is gone and folks got real help, not just moved along. Thank you outreach team!",
			"Huge thanks to the outreach team who checked on our neighbor every day. Helpful and kind.",
			"Supportive housing on {street} opened this week. Proud of Springfield.",
			"Fewer people sleeping outside {district} this year. The new shelter beds are a great help.",
			"Love that the outreach team works nights now. Real progress on homelessness.",
			"Homeless services downtown are so much better this year. Thank you.",
			"The warming center and outreach team kept people safe during the cold snap. Great job.",
			"Met the outreach team at {place} {when}. Kind, helpful people doing great work.",
		},
		neu: []string{
			"Is the new shelter taking people on weekends?",
			"How do I contact the homeless outreach team about someone who needs a ride?",
			"Where can I donate coats for the shelter?",
			"Who do I call to check on an encampment behind {place}?",
		},
		suggest: []string{"More shelter beds.", "Expand the outreach team.",
			"Supportive housing for the homeless.", "Do something about the encampments by the river."},
	}
	b[kindHousing] = bank{
		handle: "SpringfieldCity",
		tags:   []string{"#housing", "#AffordableHousing"},
		neg: []string{
			"Rent went up 18% this year. Ridiculous. Nobody can afford to live here.",
			"Our landlord hasn't fixed the heat in {dur} and code enforcement won't call back. Awful.",
			"Another luxury development downtown and nothing affordable. Frustrating.",
			"The vacant lot on {street} is full of junk and blight. Terrible for the neighborhood.",
			"Abandoned house on {street} has been open for a year. Dangerous.",
			"Got an eviction notice after complaining about mold. Landlords here are the worst.",
			"The affordable housing waitlist is three years long. Broken system.",
			"Zoning board approved another self-storage place instead of housing. Ridiculous.",
			"Rents {district} are out of control. Terrible for young families.",
		},
		pos: []string{
			"Glad to see new affordable apartments going up {district}. Great news.",
			"Code enforcement finally made our landlord fix the heat. Thank you!",
			"The rental assistance program helped us stay in our home. So grateful.",
			"Love the new townhome development on {street}. Nice to see the neighborhood growing.",
			"The city fixed up the abandoned house on our block. Huge improvement, thank you.",
			"Rezoning for more housing near downtown is a great idea.",
		},
		neu: []string{
			"Does the city have a list of affordable housing openings?",
			"Who do I call about code enforcement for a rental property?",
			"What's being built on the vacant lot on {street}?",
			"Is there a public meeting about the rezoning {district}?",
		},
		suggest: []string{"Affordable housing.", "Do something about rents.",
			"Code enforcement on rental properties.", "Clean up the vacant lots {district}."},
	}
	b[kindTransit] = bank{
		handle: "SpfldTransit",
		tags:   []string{"#transit", "#SMTD", "#bikeSpringfield"},
		neg: []string{
			"Waited 45 minutes for the {route} bus {when}. Never showed. Useless.",
			"The {route} bus is always late and packed. Terrible service.",
			"Bus stop at {place} has no bench and no cover. Miserable in the rain.",
			"Bike lane on {street} is just a painted line with cars in it. Dangerous.",
			"They cut the {route} bus on Sundays. How am I supposed to get to work? Awful.",
			"Driver skipped my stop on the {route} bus {when}. Frustrating.",
			"The transit tracker says the bus is coming, then it vanishes. Broken.",
			"Missed a job interview because the {route} bus never came. So angry.",
			"Buses {district} run once an hour. Ridiculous for a city this size.",
		},
		pos: []string{
			"The new {route} bus schedule is great, way more reliable. Thank you!",
			"Love the protected bike lane on {street}. Feels so much better riding now.",
			"Bus driver on the {route} waited for me when I was running. Kind and helpful, thanks!",
			"The new bus stop benches on {street} are so nice.",
			"Free bus fares for students is a great move.",
			"Rode the new express bus downtown in 12 minutes. Amazing.",
		},
		neu: []string{
			"Does the {route} bus run on holidays?",
			"Is there a bike lane planned for {street}?",
			"How do I get a reduced-fare bus pass?",
			"What time is the last {route} bus on weekends?",
		},
		sarcasm: []string{
			"Love waiting 50 minutes for the {route} bus. Great way to start the day 🙄",
		},
		suggest: []string{"More bus routes.", "Run the {route} bus on Sundays.", "More bike lanes.",
			"Later bus service at night.", "Bus stops with benches."},
	}
	b[kindWater] = bank{
		handle: "SpfldPublicWorks",
		tags:   []string{"#water"},
		neg: []string{
			"Water main break on {street} again. Third time this year. Ridiculous.",
			"Our water bill doubled and nobody can explain why. Outrageous.",
			"Basement flooded again because the storm drains on {street} are clogged. Awful.",
			"Brown water coming out of the tap {district}. Disgusting.",
			"Boil notice and nobody told us until the next day. Terrible.",
			"The sewer smell on {street} is unbearable.",
			"Water pressure {district} has been terrible for {dur}.",
			"Every time it rains, {street} floods. Terrible drainage.",
		},
		pos: []string{
			"Crew fixed the water main on {street} overnight. Impressive work, thank you!",
			"The new storm drains on {street} worked great, no flooding this time.",
			"The water quality report was clear and helpful. Appreciate it.",
			"Thank you for the quick response on the water leak outside {place}.",
		},
		neu: []string{
			"Is there a boil notice {district}?",
			"Who do I call about a leak at the water meter?",
			"Why is the water bill due date different this month?",
		},
		suggest: []string{"Fix the drainage on {street}.", "Lower water bills.", "Replace old water mains."},
	}
	b[kindNoise] = bank{
		handle: "SpringfieldPD",
		tags:   []string{"#noise"},
		neg: []string{
			"Neighbors blasting music all night again. Can't sleep. Terrible.",
			"The noise from the bars downtown is unbearable on weekends.",
			"Leaf blowers at 7am every Saturday. So annoying.",
			"Fireworks every night for two weeks. My dog is terrified.",
			"Loud motorcycles racing on {street} at 2am. Awful.",
			"Dogs barking all night at the house behind us. Nobody enforces the noise rules. Frustrating.",
			"Trucks honking outside {place} at 5am. Ridiculous.",
		},
		pos: []string{
			"Thanks for enforcing the noise rules downtown. Finally a quiet night!",
			"The new quiet hours near {place} are great, no more noise at 2am.",
		},
		neu: []string{
			"What are the noise ordinance hours in Springfield?",
			"Who do I call about loud music late at night?",
		},
		suggest: []string{"Enforce noise rules downtown."},
	}
	b[kindServices] = bank{
		handle: "Spfld311",
		tags:   []string{"#311", "#SpringfieldCouncil"},
		neg: []string{
			"Called 311 {times} times about the same issue. Still nothing. Useless.",
			"The permit office lost my application twice. Terrible customer service.",
			"City website is broken again, can't pay anything online.",
			"Property taxes up again and everything keeps getting worse. Frustrating.",
			"Sat on hold with city hall for an hour. Ridiculous wait times.",
			"Council meeting ran until midnight and they still didn't vote. Pathetic.",
			"Zero communication from the city about anything. Awful.",
			"Fees for a simple fence permit are outrageous.",
			"The 311 app crashes every time I try to send a photo. Broken.",
		},
		pos: []string{
			"City hall staff were so helpful getting my permit sorted. Thank you!",
			"311 actually called me back within a day. Impressed!",
			"Love the new city website, so much easier to use.",
			"The mayor's town hall tonight was great, really listened to residents.",
			"Got my permit online in ten minutes. Great job, Springfield.",
			"Customer service at the billing desk was excellent. Thank you.",
		},
		neu: []string{
			"When is the next city council meeting?",
			"How do I apply for a permit to replace my fence?",
			"Does anyone know if city hall is open on Friday?",
			"Where can I see the city budget for next year?",
			"Is the 311 line open on weekends?",
		},
		sarcasm: []string{
			"Wow, 311 picked up on the first try! Just kidding, an hour of hold music. Great 🙃",
		},
		suggest: []string{"Better communication from city hall.", "Make the website easier to use.",
			"Lower property taxes.", "Faster permits.", "Answer the 311 line."},
	}
	b[kindSnow] = bank{
		handle: "SpfldPublicWorks",
		tags:   []string{"#snow", "#SpringfieldSnow", "#plowwatch", "#winter"},
		neg: []string{
			"Our block still isn't plowed and it's been three days. Terrible.",
			"{street} is a sheet of ice. Already saw two cars slide off. Dangerous.",
			"Where are the plows? {district} hasn't seen one all day. Awful.",
			"Snowplow buried my driveway again right after I shoveled. So frustrating.",
			"Sidewalks downtown are pure ice. My neighbor slipped and broke her wrist. Horrible.",
			"No salt trucks anywhere on {street} {when}. Awful driving.",
			"Unplowed side streets all over {district}. Kids walking to school in the road. Unsafe.",
			"Icy bus stops and nobody clears them. Dangerous for seniors.",
			"Snow removal {district} is the worst in years.",
		},
		pos: []string{
			"Plows were out early on {street}. Clean and clear by 7am. Thank you!",
			"Impressed with the snow removal this time. Great job, crews!",
			"Salt trucks out before the storm even started. Nice work.",
			"Our block got plowed twice overnight, amazing.",
			"Huge thanks to the snowplow drivers working all night.",
		},
		neu: []string{
			"Is there a snow emergency parking ban tonight?",
			"When does the city plow side streets?",
			"Are schools closed because of the snow?",
			"Anyone know where to get sand for the ice on our steps?",
		},
		sarcasm: []string{
			"Thanks for plowing the snow right back into my driveway. Really appreciate it 🙄",
		},
		suggest: []string{"Plow side streets faster.", "Better snow removal {district}.",
			"Salt trucks on side streets sooner.", "Clear the ice at bus stops."},
	}
	b[kindGeneral] = bank{
		neg: []string{
			"Ugh, {weekday}. Worst.",
			"{weather} is awful.",
			"Why is everything so expensive now? Ridiculous.",
			"Worst service ever at {biz} today.",
			"Springfield drivers are the worst, I said what I said.",
			"Sad to see {biz} close. End of an era.",
			"Missed {event} because of work. So sad.",
			"{weather} is the worst. Staying in today.",
		},
		neu: []string{
			"Happy {weekday} Springfield!",
			"Who has the best {food} {district}?",
			"Where's the best {food} in town?",
			"Anyone know a good {trade} {district}?",
			"Can anyone recommend a {trade}? Just moved {district}.",
			"Lost {pet} near {street}. Please DM me if you see them.",
			"Found {pet} by {place}. DM me if it's yours.",
			"What's everyone doing this weekend?",
			"Anyone going to {event}?",
			"Is {venue} open on {weekday}?",
			"Go {team}!",
			"Anybody know why the sirens went off at noon?",
			"Just moved here, any tips for living {district}?",
			"Anyone going to the {team} game tonight?",
			"Farmers market was packed {when}.",
			"Did anyone else hear that thunder {when}?",
		},
		pos: []string{
			"Beautiful sunset over the river {when}.",
			"{biz} is amazing. Get the {food}.",
			"Love this city.",
			"Great turnout at {event}!",
			"Proud of our {team}, they were fantastic last night.",
			"Springfield has the nicest people. A stranger helped me {favor} today.",
			"Best {food} in town is at {biz}, fight me.",
			"Happy to be home in Springfield.",
			"Had a wonderful time at {event}. Love this town.",
			"Shoutout to {biz}, best {food} I've had in years.",
		},
		tags: []string{"#Springfield", "#SpfldLife", "#ShopLocal"},
	}
	return p
}

// pick returns a uniformly chosen element.
func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// fill replaces each {slot} in tmpl by a value drawn for it.
func (p *phrases) fill(r *rand.Rand, tmpl string) string {
	var sb strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			sb.WriteString(tmpl)
			return sb.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			sb.WriteString(tmpl)
			return sb.String()
		}
		sb.WriteString(tmpl[:i])
		sb.WriteString(pick(r, p.slot(tmpl[i+1:i+j])))
		tmpl = tmpl[i+j+1:]
	}
}

func (p *phrases) slot(name string) []string {
	switch name {
	case "street":
		return p.street
	case "sstreet":
		return p.sstreet
	case "park":
		return p.park
	case "place":
		return p.place
	case "district":
		return p.district
	case "dur":
		return p.dur
	case "when":
		return p.when
	case "route":
		return p.route
	case "times":
		return p.times
	case "food":
		return p.food
	case "biz":
		return p.biz
	case "event":
		return p.event
	case "team":
		return p.team
	case "trade":
		return p.trade
	case "pet":
		return p.pet
	case "venue":
		return p.venue
	case "weekday":
		return p.weekday
	case "weather":
		return p.weather
	case "favor":
		return p.favor
	}
	return []string{"{" + name + "}"}
}

// template returns one core sentence of kind k written in tone t, its slots not yet filled.
func (p *phrases) template(r *rand.Rand, k kind, t tone) string {
	b := &p.banks[k]
	switch t {
	case toneNeg:
		return pick(r, b.neg)
	case tonePos:
		return pick(r, b.pos)
	}
	return pick(r, b.neu)
}

// tweet composes a post: a core sentence with, now and then, an opener, a follow-up, a "but"
// clause, ALL CAPS, !!!, a typo, a city account, hashtags, emoji and a link.
func (p *phrases) tweet(r *rand.Rand, k kind, t tone) string {
	b := &p.banks[k]
	tmpl := p.template(r, k, t)
	sarcastic := t == toneNeg && len(b.sarcasm) > 0 && r.Float64() < 0.04
	if sarcastic {
		tmpl = pick(r, b.sarcasm)
	}
	if !sarcastic && k != kindHomeless && k != kindGeneral && r.Float64() < 0.08 {
		switch t {
		case toneNeg:
			tmpl = pick(r, p.butNeg) + lowerFirst(tmpl)
		case tonePos:
			tmpl = pick(r, p.butPos) + lowerFirst(tmpl)
		}
	}
	if !sarcastic && r.Float64() < 0.22 {
		op := pick(r, p.open[t])
		if strings.HasSuffix(op, ",") {
			tmpl = lowerFirst(tmpl)
		}
		tmpl = op + " " + tmpl
	}
	text := p.fill(r, tmpl)
	if f := pick(r, p.follow[t]); !sarcastic && k != kindGeneral && r.Float64() < 0.35 && !strings.Contains(text, f) {
		text += " " + f
	}
	text = p.roughen(r, text, t, 0.06)
	if k != kindGeneral && b.handle != "" && r.Float64() < 0.12 {
		if r.IntN(2) == 0 {
			text = "@" + b.handle + " " + text
		} else {
			text += " @" + b.handle
		}
	}
	if r.Float64() < 0.14 {
		tags := b.tags
		if len(tags) == 0 || r.IntN(3) == 0 {
			tags = p.cityTags
		}
		text += " " + pick(r, tags)
		if r.IntN(4) == 0 {
			text += " " + pick(r, p.cityTags)
		}
	}
	if r.Float64() < [...]float64{0.28, 0.08, 0.35}[t] {
		e := pick(r, p.emoji[t])
		if r.IntN(4) == 0 {
			e += e
		}
		text += " " + e
	}
	if r.Float64() < 0.06 {
		text += " https://t.co/" + token(r, 10, alnumMixed)
	}
	return text
}

// answer composes a survey answer to "What one thing should the City improve?".
func (p *phrases) answer(r *rand.Rand, k kind, t tone, multiline bool) string {
	if k == kindGeneral {
		return p.roughen(r, pick(r, p.surveyGeneral[t]), t, 0.03)
	}
	b := &p.banks[k]
	tmpl := pick(r, b.suggest) // the neutral cores are questions: they do not answer this one
	if t != toneNeu {
		tmpl = p.template(r, k, t)
	}
	text := p.fill(r, tmpl)
	// Follow-ups to a neutral tweet are questions' tails; they do not fit a suggestion.
	if f := pick(r, p.follow[t]); t != toneNeu && r.Float64() < 0.25 && !strings.Contains(text, f) {
		sep := " "
		if multiline && r.Float64() < 0.25 {
			sep = "\n"
		}
		text += sep + f
	}
	return p.roughen(r, text, t, 0.04)
}

// roughen adds the marks of real typing: ALL CAPS and !!! in anger, a typo, no capitals.
func (p *phrases) roughen(r *rand.Rand, text string, t tone, capsRate float64) string {
	caps := t == toneNeg && r.Float64() < capsRate
	if caps {
		text = strings.ToUpper(text)
	}
	if t != toneNeu && r.Float64() < [...]float64{0.14, 0, 0.06}[t] {
		text = strings.TrimRight(text, ".!") + "!!!"
	}
	if r.Float64() < 0.07 {
		for range 3 { // a few tries to find a word that has a common misspelling
			ty := pick(r, p.typos)
			if strings.Contains(text, ty[0]) {
				text = strings.Replace(text, ty[0], ty[1], 1)
				break
			}
		}
	}
	if !caps && r.Float64() < 0.04 {
		text = strings.TrimSuffix(strings.ToLower(text), ".")
	}
	return text
}

// pii returns a sentence carrying personal data of the kind redaction must catch. handle is a
// private person's @handle for tweets, or "" for survey answers.
func (p *phrases) pii(r *rand.Rand, handle string) string {
	n := 3
	if handle != "" {
		n = 4
	}
	first, last := pick(r, p.first), pick(r, p.last)
	switch r.IntN(n) {
	case 0:
		email := first + "." + last
		if r.IntN(2) == 0 {
			email = first[:1] + last + strconv.Itoa(r.IntN(90)+10)
		}
		email += "@" + pick(r, p.mailDomains)
		return pick(r, []string{"Email me at ", "My email is ", "Contact me: ", "Reach me at "}) + p.planted(email)
	case 1:
		line := strconv.Itoa(100 + r.IntN(100))
		var phone string
		switch r.IntN(3) {
		case 0:
			phone = "(217) 555-0" + line
		case 1:
			phone = "217-555-0" + line
		default:
			phone = "217.555.0" + line
		}
		return pick(r, []string{"Call me at ", "My number is ", "You can reach me at ", "Text me "}) + p.planted(phone)
	case 2:
		addr := strconv.Itoa(10+r.IntN(2990)) + " " + pick(r, p.houseStreets)
		return pick(r, []string{"I live at ", "It's right in front of ", "We're at ", "Right outside "}) + p.planted(addr) + "."
	}
	p.planted("@" + handle)
	return pick(r, []string{"@" + handle + " you seeing this?", "cc @" + handle,
		"@" + handle + " told you so", "Same thing @" + handle + " said last week."})
}

// lowerFirst lowers the first letter of a template so it can follow "…, but ". Templates that
// open with a slot (a proper noun) or with "I" keep their capital.
func lowerFirst(tmpl string) string {
	if strings.HasPrefix(tmpl, "{") || strings.HasPrefix(tmpl, "I ") || strings.HasPrefix(tmpl, "I'") {
		return tmpl
	}
	c, size := utf8.DecodeRuneInString(tmpl)
	return string(unicode.ToLower(c)) + tmpl[size:]
}

const (
	alnumLower = "0123456789abcdefghijklmnopqrstuvwxyz"
	alnumMixed = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)

func token(r *rand.Rand, n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}
